"""Reference implementations (instructors only; never in the student release)."""
