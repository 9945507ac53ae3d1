from scaleform.cli import main

main()
