"""Forms of the registration procedures: 04/ĐK-IVAN, 05/SD-IVAN, 06/NG-IVAN and TK3-TS."""
