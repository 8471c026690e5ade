"""Vietnamese text helpers: dates, document numbers, amounts in words, casing."""
