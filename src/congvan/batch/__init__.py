"""Batch work: spreadsheets in, certificates and registration forms out."""
