from creditgraph.cli import main

main()
