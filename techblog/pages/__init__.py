"""What a reader sees: listings, collections, pagination, feeds, post header, navigation, sidebars, comments."""
