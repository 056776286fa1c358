"""Grading: the pure assessment of one subject, the engine that keeps assessments, whole runs and
the work queue, regional maps and the what-if simulator."""
