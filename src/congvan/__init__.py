"""congvan: Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP) from records."""

__version__ = "0.1.0"
