"""Offline LINE platform emulator: Messaging API, signed webhooks, control API, chat simulator.

It imports nothing from the product; it speaks HTTP the way LINE does.
"""
from emulator.app import create_app

__all__ = ["create_app"]
