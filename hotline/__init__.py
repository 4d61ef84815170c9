"""hotline — a 12345 government service hotline platform (政务服务便民热线)."""

__version__ = "0.1.0"
