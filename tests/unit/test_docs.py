from pathlib import Path

from bot.domain.workflow import TRANSITIONS


def test_every_action_of_the_table_is_drawn_in_docs() -> None:
    text = (Path(__file__).parents[2] / "docs" / "workflow.md").read_text(encoding="utf-8")
    missing = [a.value for a in TRANSITIONS if a.value not in text]
    assert not missing
