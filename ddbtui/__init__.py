"""ddbtui: a terminal app for Amazon DynamoDB."""

__version__ = "0.1.0"
