"""treatyledger.ledger"""
