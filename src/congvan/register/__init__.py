"""Sổ đăng ký văn bản đi: the register that hands out document numbers."""
