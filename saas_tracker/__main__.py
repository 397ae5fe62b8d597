from saas_tracker.cli import main

main()
