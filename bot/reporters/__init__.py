"""Reporters publish a ReviewOutcome: terminal (local), PR review (pr_review), check run, SARIF file.

Each has one method, `report(outcome)`, matching bot.review.Reporter.
"""
