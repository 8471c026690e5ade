"""Records: the YAML documents a secretary keeps, validated by pydantic."""
