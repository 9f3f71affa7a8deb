"""What every import reports, and its progress bar (shared by the apps' imports)."""

import sys
from dataclasses import dataclass, field

from tqdm import tqdm


@dataclass
class ImportReport:
    source: str
    committed: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line or feature number, why)
    notes: list[str] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append((line, reason))

    @property
    def ok(self) -> bool:
        return not self.rejected

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "committed": self.committed,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
            "notes": self.notes,
        }

    def format(self, max_rejected: int = 50) -> str:
        mode = "committed" if self.committed else "dry run (nothing saved; add --commit to save)"
        lines = [
            f"{self.source}: {mode}",
            f"  read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}",
        ]
        lines += [f"  line {line}: {reason}" for line, reason in self.rejected[:max_rejected]]
        if len(self.rejected) > max_rejected:
            lines.append(f"  … and {len(self.rejected) - max_rejected} more rejected rows")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def progress(iterable, *, total=None, description="", enabled=True):
    """A progress bar on stderr (stdout stays clean for reports and JSON)."""
    return tqdm(
        iterable, total=total, desc=description, disable=not enabled, file=sys.stderr, unit="row"
    )
