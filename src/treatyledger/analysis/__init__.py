"""treatyledger.analysis"""
