"""Reading DOCX made elsewhere: effective formatting, element recognition, checks, import.

Layers: ``docx`` knows WordprocessingML (styles, numbering, themes, sections) and
nothing of NĐ30; ``elements`` finds the parts of a văn bản in it; ``checker``
compares them with a rule profile; ``importer`` turns them into a record.
"""
