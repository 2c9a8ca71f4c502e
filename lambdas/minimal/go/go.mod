module lp/minimal

go 1.19
