from cdv_prog.cli.app import main

main()
