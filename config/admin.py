from django.contrib import admin

admin.site.site_header = "Partner Network administration"
admin.site.site_title = "Partner Network admin"
admin.site.index_title = "Platform"
