"""treatyledger.inspect"""
