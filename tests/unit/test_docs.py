from pathlib import Path

from bot.domain.transitions import TRANSITIONS


def test_every_action_of_the_table_is_drawn_in_docs() -> None:
    text = (Path(__file__).parents[2] / "docs" / "workflow.md").read_text(encoding="utf-8")
    missing = [a.value for a in TRANSITIONS if a.value not in text]
    assert not missing


def test_readme_names_every_setting() -> None:
    """The README's settings table is complete: every Settings field, by its environment name."""
    from bot.settings import Settings
    from deadlines.rules import RULES

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = []
    for name in Settings.variables():
        env = name.upper()
        if env.startswith("REMIND_") and env != "REMIND_AT_FRACTION":
            rule = env.removeprefix("REMIND_").removesuffix("_FRACTION")
            if "`REMIND_<ПРАВИЛО>_FRACTION`" in readme and f"`{rule}`" in readme and rule.lower() in RULES:
                continue
        if f"`{env}`" not in readme:
            missing.append(env)
    assert not missing, f"README.md does not name: {missing}"


def test_env_example_names_every_setting() -> None:
    from bot.settings import Settings

    example = (Path(__file__).parents[2] / ".env.example").read_text(encoding="utf-8")
    missing = [n.upper() for n in Settings.variables()
               if f"{n.upper()}=" not in example and not n.startswith("remind_") and n != "bot_token"]
    assert not missing, f".env.example does not name: {missing}"
