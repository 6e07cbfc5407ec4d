"""Analysis jobs: answers are analysed outside the request, through huey."""
