# The OCF 1.0 meta-data from metadata/route53.xml (OCF 1.1): what
# ra-api-1.dtd, and so ocf-tester, accepts.  The DOCTYPE line stays.
s|<version>1\.1</version>|<version>1.0</version>|
s| unique-group="[^"]*"||
s| reloadable="[01]"||
/^<deprecated>$/,/^<\/deprecated>$/d
/^<action name="reload-agent" /d
