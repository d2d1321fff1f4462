from treatyledger.cli import run

run()
