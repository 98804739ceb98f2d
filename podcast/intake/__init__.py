"""Intake: raw material about guests and episodes, and the inbox where the team triages it."""
