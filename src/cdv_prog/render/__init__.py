"""Renderers: reports in, text on a stream out. They never compute verdicts."""
