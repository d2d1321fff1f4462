"""treatyledger.escrow"""
