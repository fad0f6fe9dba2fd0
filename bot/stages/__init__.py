"""The middle of a review, between the source that opens a change and the reporters that publish it:
select -> score -> decide -> plan. bot.review.run calls them in that order.

- select.py: every added line marked with whether it is scored, and if not, why (pure)
- score.py: one scorer call per file settles the selected lines (the only stage that runs a model)
- gate.py: the repository's thresholds with the model card's as fallback, line verdicts and the merge
  gate, and the exit codes (pure)
- comments.py: the review plan: comment text, fingerprints, summary and coverage, outdated comments (pure)

No GitHub, git, web or store here. Attribution (which lines an AI wrote) and the decision rules
themselves (comment threshold, comment cap, gate) are scoring.attribution and scoring.decisions, not
stages of this package: training's replay evaluation uses them too, and the dependency rule is
bot -> scoring <- training.
"""
