from cdv_prog.cli import executer

executer()
