"""Conversations: the dialog engine (engine.py) and one module per conversation.
Which conversations an organisation has is decided by its modules (modules/)."""
