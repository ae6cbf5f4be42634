"""What a build writes again and what it keeps between builds."""
