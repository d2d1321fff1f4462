"""One router per resource; each is thin: parse, check the role, call the store, answer."""
