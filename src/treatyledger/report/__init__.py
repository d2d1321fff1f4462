"""treatyledger.report"""
