"""Softmax Explorer: touch the softmax classifier and watch its gradient move."""

__version__ = "0.1.0"
