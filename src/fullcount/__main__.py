from fullcount.cli import main

main()
