"""Render records to DOCX: pick the template, build the context, lay out, write.

Templates are compiled once per process (and cached across processes) and reused
for every record; the layout pass works on the tree the render check parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from congvan.fileio import write_bytes_atomic
from congvan.profiles import RuleProfile, load_profile
from congvan.records.models import VanBanChung
from congvan.render.context import build_context
from congvan.render.engine import CompiledTemplate
from congvan.render.images import ImageSet
from congvan.render.layout import fit_lines_in

DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "templates"
DOCUMENT = "word/document.xml"


@dataclass
class DocumentRenderer:
    """Renders records with the templates of one folder, compiling each once."""

    template_dir: Path = DEFAULT_TEMPLATE_DIR
    _compiled: dict[str, CompiledTemplate] = field(default_factory=dict)

    def template(self, name: str) -> CompiledTemplate:
        if name not in self._compiled:
            self._compiled[name] = CompiledTemplate.load(self.template_dir / f"{name}.docx")
        return self._compiled[name]

    def render_bytes(self, record: VanBanChung, *, base_dir: Path = Path("."), so: int | None = None) -> bytes:
        """The DOCX for *record*; *so* is a number from the register, if any."""
        profile: RuleProfile = load_profile(record.quy_tac)
        template = self.template(profile.loai_van_ban[record.loai].mau)
        images = ImageSet()
        context = build_context(record, profile, images, base_dir, so=so)

        def layout(part: str, root: Any, xml: str) -> str:
            return fit_lines_in(root, xml, profile) if part == DOCUMENT else xml

        return template.to_bytes(template.render_parts(context, images, hook=layout))

    def render_to(
        self, record: VanBanChung, target: Path, *, base_dir: Path = Path("."), so: int | None = None
    ) -> Path:
        """Render and write atomically."""
        write_bytes_atomic(target, self.render_bytes(record, base_dir=base_dir, so=so))
        return target
