"""Answering: the question read once into a plan, answerers behind one interface, named
answerability checks."""
