bind = "0.0.0.0:8000"
workers = 2
access_log_format = '%(h)s "%(r)s" %(s)s %({Authorization}i)s'
