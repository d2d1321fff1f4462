"""treatyledger.rules"""
