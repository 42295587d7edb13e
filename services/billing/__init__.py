"""Customer accounts and bills: customers, contracts, invoices, credit notes,
payments, their allocation to invoices, receipts and outstanding balances.

Every function takes the caller's Session and works inside the caller's
transaction; none commits, so a flow decides what is one unit of work.
"""
