"""Synthetic victim lists with known truth: the test bed for every later stage.

``generate`` draws a closed population of victims of an invented event series, lets
several documentation sources (NGOs, media, official statements, witness testimony)
record them with heterogeneous and dependent capture, writes each source's list the way
such a source really would (script, format, encoding, headers, date styles, noise and
malformed rows), and writes the truth next to them. Everyone in the output is invented.
"""

from fullcount.synth.generator import SourceSummary, SynthSummary, generate

__all__ = ["SourceSummary", "SynthSummary", "generate"]
