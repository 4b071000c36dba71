"""Storage of stories: versions, search, feeds and the alert proposals they raise."""
