import sys

from emovoice.cli import main

sys.exit(main())
