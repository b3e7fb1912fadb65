from cdv_prog.cli import main

main()
