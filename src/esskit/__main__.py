"""`python -m esskit`."""

from esskit.cli import main

if __name__ == "__main__":
    main()
