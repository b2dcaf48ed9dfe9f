"""The tabs and files the tool hands to people, described as data.

The interview form (one A4 page per employee), how tall its text runs, and the
calendar invitations. The jobs fill these in; the writer turns them into XML.
"""
