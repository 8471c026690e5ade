from congvan.nen.client import main

main()
