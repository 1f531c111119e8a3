# The OCF 1.1 meta-data from metadata/route53.xml: as it is, less the
# DOCTYPE naming OCF 1.0's ra-api-1.dtd (OCF 1.1 has a RelaxNG schema).
/^<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">$/d
