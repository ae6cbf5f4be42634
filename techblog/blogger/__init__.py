"""Importing the old Blogger blog into legacy/."""
