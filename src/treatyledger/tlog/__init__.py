"""treatyledger.tlog"""
