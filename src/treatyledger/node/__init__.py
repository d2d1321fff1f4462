"""treatyledger.node"""
