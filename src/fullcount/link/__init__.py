"""Record linkage: which records, within and across lists, are the same person.

Splink (Fellegi–Sunter, EM-trained) scores candidate pairs on the normalisation keys;
pairs at or above a threshold, with reviewers' decisions, make the entities of the
register. See ``stage.run_link_stage``.
"""
